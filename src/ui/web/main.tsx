// The web UI's entry point: React 19 renders the shell into #root.

import { createRoot } from "react-dom/client";
import { App } from "./App.js";

createRoot(document.getElementById("root")!).render(<App />);
