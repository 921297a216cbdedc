// `eslint .` with a closing count, so the test log says what was checked: "eslint: 212 files, 0 problems".
// Problems are printed with eslint's usual (stylish) formatter; exit 1 when there is any error.
import { ESLint } from "eslint";

const eslint = new ESLint();
const results = await eslint.lintFiles(["."]);
const text = (await eslint.loadFormatter("stylish")).format(results);
if (text) console.log(text);
const errors = results.reduce((n, r) => n + r.errorCount, 0);
const warnings = results.reduce((n, r) => n + r.warningCount, 0);
console.log(`eslint: ${results.length} files checked, ${errors} errors, ${warnings} warnings`);
process.exit(errors > 0 ? 1 : 0);
