/**
 * The dashboard: signs in with a username and password (a session cookie set by
 * POST /v1/session), then shows the pages the user's role may use. Pages are chosen by the
 * URL's hash, so the server serves one file and a reload keeps the page.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { api, can, csrfToken, whenSignedOut, type Role, type User } from "./api.js";
import { useHashRoute } from "./hooks.js";
import { SignIn } from "./pages/sign-in.js";
import { Overview } from "./pages/overview.js";
import { Playground } from "./pages/playground.js";
import { Models } from "./pages/models.js";
import { Training } from "./pages/training.js";
import { Audit } from "./pages/audit.js";
import { Datasets } from "./pages/datasets.js";
import { Access } from "./pages/access.js";
import { RedTeam } from "./pages/redteam.js";
import { Account } from "./pages/account.js";
import { Analytics } from "./pages/analytics.js";
import { Feedback } from "./pages/feedback.js";
import { Privacy } from "./pages/privacy.js";
import { Learning } from "./pages/learning.js";

interface Page {
  id: string;
  label: string;
  allowed: (role: Role) => boolean;
  view: (user: User) => preact.JSX.Element;
}

const PAGES: Page[] = [
  { id: "overview", label: "Overview", allowed: () => true, view: (u) => <Overview user={u} /> },
  { id: "playground", label: "Playground", allowed: () => true, view: () => <Playground /> },
  { id: "models", label: "Models", allowed: can.read, view: (u) => <Models user={u} /> },
  { id: "training", label: "Training & jobs", allowed: can.read, view: (u) => <Training user={u} /> },
  { id: "datasets", label: "Datasets", allowed: can.read, view: () => <Datasets /> },
  { id: "redteam", label: "Red team", allowed: can.read, view: () => <RedTeam /> },
  { id: "analytics", label: "Analytics", allowed: can.read, view: (u) => <Analytics user={u} /> },
  { id: "feedback", label: "Reports", allowed: can.read, view: () => <Feedback /> },
  { id: "learning", label: "Learning", allowed: can.read, view: () => <Learning /> },
  { id: "privacy", label: "Privacy", allowed: can.admin, view: () => <Privacy /> },
  { id: "audit", label: "Audit", allowed: can.admin, view: () => <Audit /> },
  { id: "access", label: "Keys & users", allowed: can.admin, view: (u) => <Access user={u} /> },
];

function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const route = useHashRoute();
  // Moving between pages is activity: the server renews a session past half its life.
  useEffect(() => {
    if (user) api("/v1/session").catch(() => undefined);
  }, [route]);
  useEffect(() => {
    whenSignedOut(() => setUser(null));
    // No session cookie: no request that would only be refused.
    if (!csrfToken()) return setUser(null);
    api<{ user: User }>("/v1/session").then(
      (s) => setUser(s.user),
      () => setUser(null),
    );
  }, []);
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (user === null) return <SignIn onSignedIn={setUser} />;

  const pages = PAGES.filter((p) => p.allowed(user.role));
  const page = route === "account" ? undefined : (pages.find((p) => p.id === route) ?? pages[0]!);
  const signOut = async () => {
    try {
      await api("/v1/session", { method: "DELETE" });
    } finally {
      setUser(null);
    }
  };
  return (
    <>
      <header class="top">
        <a class="brand" href="#/overview">
          Bulwark
        </a>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page?.id ? "page" : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <a href="#/account" aria-current={route === "account" ? "page" : undefined}>
            {user.username} <span class="role">({user.role})</span>
          </a>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route === "account" ? <Account user={user} onSignedOut={() => setUser(null)} /> : page!.view(user)}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
