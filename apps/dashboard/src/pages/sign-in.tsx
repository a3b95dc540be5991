import { useState } from "preact/hooks";
import { api, storeKey } from "../api.ts";
import { ErrorNote, messageOf } from "../components.tsx";

/** Asks for a secret key (one of HELMR_API_KEYS) and keeps it only once the API accepts it. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api.check(key.trim());
      storeKey(key.trim());
      onSignedIn();
    } catch (failure) {
      setError(messageOf(failure));
    }
    setBusy(false);
  };
  return (
    <main class="sign-in">
      <h1>Helmr dashboard</h1>
      <form onSubmit={submit}>
        <label>
          Secret key
          <input type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="one of HELMR_API_KEYS" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorNote error={error} />
      <p class="muted">The key stays in this tab's session storage and is sent only as the bearer of API requests.</p>
    </main>
  );
}
