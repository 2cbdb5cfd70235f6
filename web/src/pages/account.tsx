/**
 * Your account: change your own password (POST /v1/auth/password). The change ends every
 * session and token you hold, this one included, so the page returns to the sign-in form.
 */
import { useState } from "preact/hooks";
import { api, type User } from "../api.js";
import { ErrorLine } from "../components.js";

export function Account({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (next !== again) return setError("the new passwords differ");
    try {
      await api("/v1/auth/password", { json: { currentPassword: current, newPassword: next } });
      onSignedOut();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <>
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
      <form class="card fields" onSubmit={submit} aria-label="Change password">
        <label>
          Current password
          <input
            type="password"
            autocomplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            autocomplete="new-password"
            required
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          Change password
        </button>
      </form>
      <ErrorLine error={error} />
      <p class="muted">Changing it signs you out everywhere: sign in again with the new password.</p>
    </>
  );
}
