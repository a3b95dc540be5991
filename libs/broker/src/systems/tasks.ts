import { notFound } from "@helmr/core";
import type { Resources } from "../resources.ts";

export interface RegisteredTask {
  id: string;
  registeredAt: string;
  lastSeenAt: string;
}

/**
 * Task ids that some worker has hosted. Triggering any other id is refused at the door,
 * so a typo never becomes a run that waits forever. Registration outlives the worker:
 * runs of a registered task queue up while its workers restart.
 */
export class TasksSystem {
  /** Ids seen registered: registration is never undone, so a positive answer can be kept. */
  private readonly known = new Set<string>();

  constructor(private readonly resources: Resources) {}

  async register(taskIds: string[], now = Date.now()): Promise<void> {
    if (taskIds.length === 0) return;
    const { redis, keys } = this.resources;
    const existing = await redis.hmget(keys.tasks(), ...taskIds);
    const fields: string[] = [];
    taskIds.forEach((id, i) => {
      const registeredAt = existing[i] ? (JSON.parse(existing[i]!) as { registeredAt: number }).registeredAt : now;
      fields.push(id, JSON.stringify({ registeredAt, lastSeenAt: now }));
    });
    await redis.hset(keys.tasks(), ...fields);
  }

  async isRegistered(taskId: string): Promise<boolean> {
    if (this.known.has(taskId)) return true;
    const registered = (await this.resources.redis.hexists(this.resources.keys.tasks(), taskId)) === 1;
    if (registered) this.known.add(taskId);
    return registered;
  }

  async find(taskId: string): Promise<RegisteredTask | null> {
    const text = await this.resources.redis.hget(this.resources.keys.tasks(), taskId);
    return text ? registered(taskId, text) : null;
  }

  /** A task some worker hosted; not found (404) otherwise. */
  async retrieve(taskId: string): Promise<RegisteredTask> {
    const task = await this.find(taskId);
    if (!task) throw notFound("task", taskId);
    return task;
  }

  async list(): Promise<RegisteredTask[]> {
    const all = await this.resources.redis.hgetall(this.resources.keys.tasks());
    return Object.entries(all).map(([id, text]) => registered(id, text));
  }
}

function registered(id: string, text: string): RegisteredTask {
  const { registeredAt, lastSeenAt } = JSON.parse(text) as { registeredAt: number; lastSeenAt: number };
  return { id, registeredAt: new Date(registeredAt).toISOString(), lastSeenAt: new Date(lastSeenAt).toISOString() };
}
