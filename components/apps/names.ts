/** An app name: a container, file and Nginx upstream name on the host (lower-case letters, digits, inner hyphens). */
export const APP_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** An environment variable name as every shell and Docker's env file accept it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
