// Reusable helpers for integration tests on real software (docker-registry, openssl, skopeo) on loopback.
export * from "./certs.js";
export * from "./exec.js";
export * from "./oci.js";
export * from "./ports.js";
export * from "./registry.js";
export * from "./skopeo.js";
export * from "./tmp.js";
export * from "./push.js";
