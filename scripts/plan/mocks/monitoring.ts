import type { ComputedOutputs } from "./types";
import { hexOf, MOCK_ACCOUNT_ID } from "./values";

const REGION = "ap-northeast-2";

/** Computed outputs of the monitoring resources (alarm topic, DLM policy) in the provider's own shapes. */
export const monitoringOutputs: Record<string, ComputedOutputs> = {
  "aws:sns/topic:Topic": (name, inputs) => {
    const topicName = (inputs.name as string | undefined) ?? `${name}-${hexOf(`autoname/topic/${name}`, 7)}`;
    return { name: topicName, arn: `arn:aws:sns:${REGION}:${MOCK_ACCOUNT_ID}:${topicName}` };
  },
  "aws:sns/topicSubscription:TopicSubscription": (name, inputs) => ({
    arn: `${String(inputs.topic)}:${hexOf(`subscription/${name}`, 8)}-${hexOf(`subscription2/${name}`, 4)}`,
    // An e-mail subscription waits for the recipient's confirmation.
    pendingConfirmation: true,
  }),
  "aws:dlm/lifecyclePolicy:LifecyclePolicy": (name) => ({
    arn: `arn:aws:dlm:${REGION}:${MOCK_ACCOUNT_ID}:policy/policy-0${hexOf(`dlm/${name}`, 16)}`,
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, inputs) => ({
    arn: `arn:aws:cloudwatch:${REGION}:${MOCK_ACCOUNT_ID}:alarm:${String(inputs.name ?? name)}`,
  }),
};
