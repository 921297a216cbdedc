import { describeFidelity } from "./support/fidelity";

describeFidelity("dev");
