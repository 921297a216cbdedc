// Puppeteer (used only by the diagram renderer, `npm run docs:diagrams`) must not download its own Chrome at
// install time: the machines this project runs on reach the npm registry only. Diagrams render with the system's
// Chromium (Debian's `chromium` package) instead.
module.exports = { skipDownload: true };
