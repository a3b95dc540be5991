import { z } from "zod";

/**
 * The shapes the example tasks and the example web app share. This module imports only
 * zod, so the browser bundle takes it as it is: the screens are typed from the same schemas
 * the tasks validate with.
 */

/** A question asked in the chat screen (input stream "question"). */
export const ChatQuestion = z.object({ text: z.string().trim().min(1).max(2000) });
export type ChatQuestion = z.infer<typeof ChatQuestion>;

/** A line of the chat (output stream "chat"): the question, the answer word by word, then the answer's end. */
export type ChatLine =
  | { turn: number; role: "user"; text: string }
  | { turn: number; role: "assistant"; delta: string }
  | { turn: number; role: "assistant"; done: true };

/** A reviewer's decision (input stream "approval"). */
export const ReviewDecision = z.object({ decision: z.enum(["approve", "reject", "edit"]), note: z.string().optional() });
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** What a review says on its output stream "events". */
export type ReviewEvent =
  | { type: "waiting-for-review"; session: string; correlationId: string }
  | { type: "decided"; decision: ReviewDecision["decision"] }
  | { type: "waiting-for-answer"; ticketId: string; escalationToken: string };

/** How many questions one chat run answers before it ends. */
export const CHAT_TURNS = 50;
