// Starts the NHS.UK frontend's components (the header's menu, checkboxes, error summary).
// Every page works without it: forms post and redirect.
import { initAll } from "/vendor/nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
