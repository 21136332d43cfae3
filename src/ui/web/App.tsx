// The shell: a sidebar of pages, the theme switch, and the page the path names.

import { useEffect, useState } from "react";
import { Link, useRoute } from "./router.js";
import { useFetch } from "./use-fetch.js";
import { Dashboard } from "./pages/Dashboard.js";
import { RunsPage } from "./pages/RunsPage.js";
import { RunPage } from "./pages/RunPage.js";
import { TaskRunPage } from "./pages/TaskRunPage.js";
import { DeploymentPage, DeploymentsPage } from "./pages/DeploymentsPage.js";
import { BlocksPage } from "./pages/BlocksPage.js";
import { ArtifactsView, WorkersPage } from "./pages/OtherPages.js";
import { Empty } from "./components.js";

const NAV: Array<[string, string, string]> = [
  ["/", "Dashboard", "◧"],
  ["/runs", "Flow runs", "≡"],
  ["/deployments", "Deployments", "▶"],
  ["/workers", "Workers", "⚙"],
  ["/blocks", "Blocks", "▣"],
  ["/artifacts", "Artifacts", "❏"],
];

function page(path: string) {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case undefined:
      return <Dashboard />;
    case "runs":
      return parts[1] ? <RunPage key={parts[1]} id={parts[1]} /> : <RunsPage />;
    case "task-runs":
      return <TaskRunPage key={parts[1]} id={parts[1]} />;
    case "deployments":
      return parts[1] ? <DeploymentPage key={parts[1]} name={parts[1]} /> : <DeploymentsPage />;
    case "workers":
      return <WorkersPage />;
    case "blocks":
      return <BlocksPage />;
    case "artifacts":
      return <ArtifactsView />;
    default:
      return <Empty title={`No page at ${path}`}>Pick one on the left.</Empty>;
  }
}

export function App() {
  const route = useRoute();
  const session = useFetch<{ version: string; home: string }>("/api/session");
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? "light");
  const [signedOut, setSignedOut] = useState(false);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("cellflow-theme", theme);
  }, [theme]);
  useEffect(() => {
    const off = () => setSignedOut(true);
    window.addEventListener("cellflow:unauthorized", off);
    return () => window.removeEventListener("cellflow:unauthorized", off);
  }, []);
  const active = (to: string) => (to === "/" ? route.path === "/" : route.path.startsWith(to) || (to === "/runs" && route.path.startsWith("/task-runs")));
  return (
    <div className="shell">
      <nav className="sidebar">
        <div className="brand">
          <span className="logo">◆</span> Cellflow
        </div>
        {NAV.map(([to, label, icon]) => (
          <Link key={to} to={to} className={`nav ${active(to) ? "active" : ""}`}>
            <span className="nav-icon">{icon}</span>
            {label}
          </Link>
        ))}
        <div className="sidebar-foot">
          <button className="theme" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} data-testid="theme">
            {theme === "dark" ? "☀ Light" : "☾ Dark"}
          </button>
          {session.data && (
            <div className="muted small" title={session.data.home}>
              v{session.data.version} · {session.data.home.split("/").slice(-2).join("/")}
            </div>
          )}
        </div>
      </nav>
      <main className="main">
        {signedOut && <div className="error-box">The session ended (the server restarted?). Open the URL that <code>cellflow ui</code> printed.</div>}
        {page(route.path)}
      </main>
    </div>
  );
}
