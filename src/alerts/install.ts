// Importing this module turns alerting on in the process (the library door and the runner import it).

import { installAlerts } from "./notify.js";

installAlerts();
