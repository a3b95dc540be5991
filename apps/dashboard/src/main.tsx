import "./app.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { forgetKey, storedKey, whenUnauthorized } from "./api.ts";
import { Home } from "./pages/home.tsx";
import { RunPage } from "./pages/run.tsx";
import { Runs } from "./pages/runs.tsx";
import { SessionPage } from "./pages/session.tsx";
import { Sessions } from "./pages/sessions.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { Tokens } from "./pages/tokens.tsx";
import { Waits } from "./pages/waits.tsx";
import { Versions } from "./pages/versions.tsx";
import { TaskPage, Tasks } from "./pages/tasks.tsx";
import { SchedulePage, Schedules } from "./pages/schedules.tsx";
import { WebhookPage, Webhooks } from "./pages/webhooks.tsx";
import { href, useRoute, type Route } from "./router.ts";

/** The dashboard: a sign-in, then one page per route (router.ts), all from the public API. */
function App() {
  const [signedIn, setSignedIn] = useState(storedKey() !== null);
  const route = useRoute();
  useEffect(() => whenUnauthorized(() => (forgetKey(), setSignedIn(false))), []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const section = route.path[0] ?? "";
  return (
    <>
      <nav>
        <strong>Helmr</strong>
        {NAV.map(([name, label]) => (
          <a key={name} href={href(name)} class={section === name ? "current" : ""}>
            {label}
          </a>
        ))}
        <button type="button" class="sign-out" onClick={() => (forgetKey(), setSignedIn(false))}>
          Sign out
        </button>
      </nav>
      {/* Keyed by section: each page mounts afresh, so no form state carries from one list's filters to another's. */}
      <main key={section}>{page(route)}</main>
    </>
  );
}

const NAV: Array<[string, string]> = [
  ["", "Overview"],
  ["sessions", "Sessions"],
  ["runs", "Runs"],
  ["waits", "Waits"],
  ["tokens", "Tokens"],
  ["tasks", "Tasks"],
  ["schedules", "Schedules"],
  ["versions", "Versions"],
  ["webhooks", "Webhooks"],
];

function page({ path, query }: Route) {
  const [section, id] = path;
  if (section === "sessions") return id ? <SessionPage id={id} /> : <Sessions query={query} />;
  if (section === "runs") return id ? <RunPage id={id} /> : <Runs query={query} />;
  if (section === "waits") return <Waits query={query} />;
  if (section === "tokens") return <Tokens query={query} />;
  if (section === "tasks") return id ? <TaskPage id={id} /> : <Tasks />;
  if (section === "schedules") return id ? <SchedulePage id={id} /> : <Schedules />;
  if (section === "versions") return <Versions />;
  if (section === "webhooks") return id ? <WebhookPage id={id} /> : <Webhooks />;
  return <Home />;
}

render(<App />, document.getElementById("app")!);
