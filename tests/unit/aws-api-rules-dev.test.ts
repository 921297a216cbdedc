import { describeAwsApiRules } from "./support/awsApiRules";

describeAwsApiRules("dev");
