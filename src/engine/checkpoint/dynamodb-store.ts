/**
 * A checkpoint in a DynamoDB item (`dynamodb://<table>/<id>`), for runs whose containers keep no
 * disk (Kubernetes Jobs, AWS Batch, CI runners). The table needs a string partition key named
 * `pk`; the item holds `rev` (a number) and `doc` (the checkpoint's JSON text).
 *
 * Every write is conditional, `attribute_not_exists(pk) OR rev = :prev`: a run writes only over
 * the revision it loaded or saved itself, so two runs can never both own one checkpoint (the
 * second one's save fails with a message instead of silently moving the other's frontier).
 * Items are limited to 400 KB: a file source with tens of thousands of paths may not fit.
 *
 * @module
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AwsClientSettings } from "../../sdk/index.ts";
import { VERSION } from "../../version.ts";
import { type CheckpointDocument, parseCheckpoint } from "./format.ts";
import { CheckpointOwnershipError, type CheckpointStore } from "./store.ts";

/** A checkpoint kept in one DynamoDB item. */
export class DynamoDbCheckpointStore implements CheckpointStore {
  readonly location: string;
  private client: DynamoDBClient | undefined;
  private knownRev: number | undefined;

  constructor(
    readonly table: string,
    readonly id: string,
    private readonly aws: AwsClientSettings,
  ) {
    this.location = `dynamodb://${table}/${id}`;
  }

  async load(): Promise<CheckpointDocument | undefined> {
    const { GetItemCommand } = await import("@aws-sdk/client-dynamodb");
    const client = await this.connect();
    let item: Record<string, { S?: string; N?: string }> | undefined;
    try {
      const output = await client.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: { S: this.id } }, ConsistentRead: true }),
      );
      item = output.Item as typeof item;
    } catch (error) {
      throw this.explain(error, "read");
    }
    if (!item) {
      this.knownRev = undefined;
      return undefined;
    }
    const text = item.doc?.S;
    if (text === undefined) throw new Error(`${this.location}: the item has no "doc" string attribute`);
    const doc = parseCheckpoint(text, this.location);
    this.knownRev = Number(item.rev?.N ?? doc.rev);
    return doc;
  }

  async save(doc: CheckpointDocument): Promise<void> {
    const { PutItemCommand } = await import("@aws-sdk/client-dynamodb");
    const client = await this.connect();
    const condition =
      this.knownRev === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "attribute_not_exists(pk) OR #rev = :prev",
            ExpressionAttributeNames: { "#rev": "rev" },
            ExpressionAttributeValues: { ":prev": { N: String(this.knownRev) } },
          };
    try {
      await client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: this.id },
            rev: { N: String(doc.rev) },
            doc: { S: JSON.stringify(doc) },
            savedAt: { S: doc.savedAt },
          },
          ...condition,
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") {
        throw new CheckpointOwnershipError(this.location, `expected rev ${this.knownRev ?? "none"}`);
      }
      throw this.explain(error, "write");
    }
    this.knownRev = doc.rev;
  }

  private async connect(): Promise<DynamoDBClient> {
    if (this.client) return this.client;
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    // Endpoint (AWS_ENDPOINT_URL_DYNAMODB) and credentials come from the SDK's standard chain.
    this.client = new DynamoDBClient({
      ...(this.aws.region ? { region: this.aws.region } : {}),
      ...(this.aws.profile ? { profile: this.aws.profile } : {}),
      customUserAgent: `rehydrate/${VERSION}`,
    });
    return this.client;
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  private explain(error: unknown, verb: "read" | "write"): Error {
    const name = (error as { name?: string }).name ?? "Error";
    const message = (error as { message?: string }).message ?? String(error);
    if (name === "ResourceNotFoundException") {
      return new Error(
        `${this.location}: table "${this.table}" does not exist (create it with a string partition key named "pk")`,
      );
    }
    return new Error(`${this.location}: cannot ${verb} the checkpoint: ${name}: ${message}`);
  }
}
