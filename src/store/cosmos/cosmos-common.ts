/**
 * Helpers shared by the Cosmos DB adapter's parts: status codes of SDK errors, conditional
 * writes that answer a value instead of throwing, and a write-order sequence.
 */
import {
  BulkOperationType,
  type Container,
  type ItemDefinition,
  type OperationInput,
  type Resource,
} from "@azure/cosmos";

/** The fields Cosmos adds to every stored document. */
export type Stored<T> = T & Resource;

/** The HTTP status of an error the SDK threw, if it is one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "number") return code;
  }
  return undefined;
}

/** Point read; undefined when there is no such document. */
export async function readDoc<T extends ItemDefinition>(
  container: Container,
  id: string,
  partition: string,
): Promise<Stored<T> | undefined> {
  try {
    const { resource } = await container.item(id, partition).read<T>();
    return resource as Stored<T> | undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Creates the document; false (and no change) when its id exists (409). */
export async function createDoc(container: Container, doc: ItemDefinition): Promise<boolean> {
  try {
    await container.items.create(doc);
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw error;
  }
}

/** Replaces the document if it is still at `etag`; undefined when it moved on or went (412, 404). */
export async function replaceIfMatch<T extends ItemDefinition>(
  container: Container,
  partition: string,
  doc: T,
  etag: string,
): Promise<Stored<T> | undefined> {
  try {
    const { resource } = await container
      .item(doc.id as string, partition)
      .replace<T>(doc, { accessCondition: { type: "IfMatch", condition: etag } });
    return resource as Stored<T>;
  } catch (error) {
    const status = statusOf(error);
    if (status === 412 || status === 404) return undefined;
    throw error;
  }
}

/** Deletes the document if it is still at `etag`; false when it moved on or went. */
export async function deleteIfMatch(
  container: Container,
  id: string,
  partition: string,
  etag: string,
): Promise<boolean> {
  try {
    await container
      .item(id, partition)
      .delete({ accessCondition: { type: "IfMatch", condition: etag } });
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 412 || status === 404) return false;
    throw error;
  }
}

/** Runs a query (cross-partition unless `partition` is given) and returns every result. */
export async function queryAll<T>(
  container: Container,
  query: string,
  parameters: Record<string, unknown> = {},
  partition?: string,
): Promise<T[]> {
  const spec = {
    query,
    parameters: Object.entries(parameters).map(([name, value]) => ({
      name: `@${name}`,
      value: value as never,
    })),
  };
  // Large pages: a run reads a policy's open cases in a few requests, not one per hundred.
  const options = {
    maxItemCount: 1000,
    ...(partition === undefined ? {} : { partitionKey: partition }),
  };
  const { resources } = await container.items.query<T>(spec, options).fetchAll();
  return resources;
}

/** Strips the fields Cosmos adds, so a document can be written again. */
export function withoutSystemFields<T extends object>(doc: T): T {
  const copy = { ...doc } as Record<string, unknown>;
  for (const key of ["_rid", "_self", "_etag", "_attachments", "_ts"]) delete copy[key];
  return copy as T;
}

let lastSeq = 0;

/**
 * Write order, for ties between records created at the same instant: microseconds since
 * the epoch, strictly increasing within a process (well below 2^53 until the year 2255).
 */
export function nextSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

/** Runs `work` on each item with at most `limit` at once; results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Many writes of one partition through the SDK's bulk API (a few requests per hundred
 * operations); the status code of each, in order. The bulk API is not a transaction:
 * every write here must be safe on its own, as each caller's comment says.
 */
export async function bulkWrite(
  container: Container,
  partition: string,
  operations: readonly (
    | { kind: "create"; doc: ItemDefinition }
    | { kind: "replace"; doc: ItemDefinition & { id: string }; ifMatch: string }
  )[],
): Promise<{ status: number; etag?: string }[]> {
  if (operations.length === 0) return [];
  const input = operations.map((op) =>
    op.kind === "create"
      ? { operationType: BulkOperationType.Create, partitionKey: partition, resourceBody: op.doc }
      : {
          operationType: BulkOperationType.Replace,
          partitionKey: partition,
          id: op.doc.id,
          resourceBody: op.doc,
          ifMatch: op.ifMatch,
        },
  );
  const results = await container.items.executeBulkOperations(input as OperationInput[]);
  return results.map((r) => {
    const status = r.response?.statusCode ?? statusOf(r.error) ?? 500;
    if (status >= 500 || status === 429)
      throw r.error ?? new Error(`Cosmos DB bulk write failed with ${status}`);
    return { status, etag: r.response?.eTag };
  });
}
