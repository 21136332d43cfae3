// Importing this module gives flows their serve() and deploy() (loaded on first use; the library door imports it).

import { installFlowDeployer } from "../engine/flow-deploy.js";

installFlowDeployer(async () => (await import("./serve.js")).flowDeployer);
