// The engine's secret wire form is read by the policies too, so the helpers live in policy/lib (policy/ imports
// nothing from scripts/); re-exported here for the plan's own modules.
export { SECRET_PLACEHOLDER, containsSecret, isWireSecret, maskSecrets, unwrapSecrets } from "../../policy/lib/secrets";
