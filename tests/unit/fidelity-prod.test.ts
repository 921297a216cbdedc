import { describeFidelity } from "./support/fidelity";

describeFidelity("prod");
