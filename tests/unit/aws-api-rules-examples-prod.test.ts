import { describeAwsApiRules } from "./support/awsApiRules";

describeAwsApiRules("prod", true);
