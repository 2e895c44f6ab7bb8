/**
 * A bus of several rules for the routes tests: Input, InputPath and InputTransformer Lambda
 * targets, a disabled rule, a scheduled rule, an SQS target and a rule with no targets.
 *
 * @module
 */
import type { FakeRule } from "../fakes/aws-server.ts";

export const REGION = "us-east-1";
export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:123456789012:function:${name}`;
export const queueArn = "arn:aws:sqs:us-east-1:123456789012:order-audit";

export const ORDER_RULES: FakeRule[] = [
  {
    bus: "orders",
    name: "project-orders",
    eventPattern: JSON.stringify({ source: ["shop.orders"] }),
    targets: [{ Id: "projector", Arn: fnArn("projector") }],
  },
  {
    bus: "orders",
    name: "notify-shipped",
    eventPattern: JSON.stringify({ "detail-type": ["OrderShipped"] }),
    targets: [
      {
        Id: "notify",
        Arn: fnArn("notifier"),
        InputTransformer: {
          InputPathsMap: { order: "$.detail.orderId", total: "$.detail.total" },
          InputTemplate:
            '{"order": <order>, "total": <total>, "text": "order <order> shipped", "rule": <aws.events.rule-name>}',
        },
      },
      { Id: "audit-queue", Arn: queueArn },
    ],
  },
  {
    bus: "orders",
    name: "big-orders",
    eventPattern: JSON.stringify({ detail: { total: [{ numeric: [">=", 100] }] } }),
    targets: [{ Id: "detail-only", Arn: fnArn("big-orders"), InputPath: "$.detail" }],
  },
  {
    bus: "orders",
    name: "cache-rebuild",
    eventPattern: JSON.stringify({ "detail-type": ["OrderCancelled"] }),
    targets: [{ Id: "rebuild", Arn: `${fnArn("cache")}:live`, Input: '{"action":"rebuild"}' }],
  },
  {
    bus: "orders",
    name: "old-projector",
    state: "DISABLED",
    eventPattern: JSON.stringify({ source: ["shop.orders"] }),
    targets: [{ Id: "old", Arn: fnArn("old-projector") }],
  },
  {
    bus: "orders",
    name: "nightly",
    scheduleExpression: "cron(0 3 * * ? *)",
    targets: [{ Id: "n", Arn: fnArn("n") }],
  },
  { bus: "orders", name: "empty", eventPattern: "{}" },
  { bus: "other", name: "elsewhere", eventPattern: "{}", targets: [{ Id: "x", Arn: fnArn("x") }] },
  {
    bus: "queues-only",
    name: "to-queue",
    eventPattern: "{}",
    targets: [
      { Id: "q", Arn: queueArn },
      { Id: "bus", Arn: "arn:aws:events:us-east-1:123456789012:event-bus/central" },
    ],
  },
];
