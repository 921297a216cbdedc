// Pure renderers of everything the RegistryHost places on and runs on its host (see docs/registry-host.md).
export type { HostLink, HostRenderInput, ProvisionPlan, ProvisionStep } from "./types";
export { HostRenderInputError, validateHostRenderInput } from "./validate";
export { CONTAINER_PATHS, HOST_PATHS, REGISTRY_UNIT_NAME } from "./paths";
export { renderRegistryConfig, renderRegistryFiles, renderHtpasswd } from "./registryConfig";
export { renderRegistryUnit, renderRegistryUnitFile } from "./registryUnit";
export { renderNginxMain, renderNginxMainFile } from "./nginxMain";
export { nginxTlsPaths, renderAppSite, renderDefaultSite, renderNginxSites, renderRegistrySite } from "./nginxSite";
export { HSTS, TLS_CIPHERS, TLS_PROTOCOLS } from "./nginxTls";
export { gcTimerUnits, registryGcInput, renderGcFiles } from "./gc";
export { aptPackages, AUTO_UPGRADES_PATH, renderAutoUpgradesConf } from "./packages";
export { renderBundle } from "./bundle";
export { CLOUDWATCH_AGENT, cloudwatchAgentDebUrl, renderCloudwatchAgentFile } from "./cloudwatchAgent";
export { STEP_COMMAND, shQuote } from "./scripts/assemble";
export {
  healthCheckTarget,
  renderAcmePrepareScript,
  renderApplyConfigScript,
  renderHealthCheckScript,
  renderHealthCheckStdin,
  renderInstallCloudwatchAgentScript,
  renderInstallFilesScript,
  renderInstallFilesStdin,
  renderInstallPackagesScript,
  renderPrepareDataVolumeScript,
  renderWaitReadyScript,
} from "./scripts/scripts";
export { renderHostFiles, renderProvisionPlan, stepHash, stepTriggers } from "./plan";
export {
  ACME_PATHS,
  ACME_RENEW_DAYS,
  ACME_WARN_DAYS,
  acmeCertificateNames,
  acmeTimerUnits,
  renderAcmeConfig,
  renderAcmeFiles,
  renderAcmeUnits,
  renderChallengeLocation,
} from "./acme/acme";
