/**
 * The renderer the component uses (the renderers' `renderProvisionPlan`, render/index.ts), in one place so the stack
 * and the tests agree on it.
 */
export { renderProvisionPlan } from "./render";
