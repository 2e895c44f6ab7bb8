/**
 * Index housekeeping for the target: create the index on request, the bulk-load settings
 * (recorded, changed, restored), refresh, and the atomic alias swap of blue/green rebuilds.
 *
 * @module
 */
import { PluginError } from "../../src/sdk/index.ts";
import { errorReason, jsonOf, type OsHttp } from "./connection.ts";

/** Path segment of an index or alias name. */
export function indexPath(name: string): string {
  return `/${encodeURIComponent(name)}`;
}

/** Whether the index (or alias, or a pattern matching something) exists. */
export async function indexExists(http: OsHttp, index: string): Promise<boolean> {
  const response = await http.request({ method: "HEAD", path: indexPath(index) });
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw new PluginError(`cannot look up index "${index}" on ${http.displayUrl}: HTTP ${response.status}`);
}

/** Creates the index with the given mappings and settings; a concurrent creation is fine. */
export async function createIndex(
  http: OsHttp,
  index: string,
  body: { mappings?: unknown; settings?: unknown },
): Promise<boolean> {
  const response = await http.request({ method: "PUT", path: indexPath(index), body });
  if (response.status === 200) return true;
  if (response.status === 400 && response.text.includes("resource_already_exists_exception")) return false;
  throw new PluginError(`cannot create index "${index}": ${errorReason(response)}`, "mappings/settings");
}

/** The values the bulk-load mode changes, as they were (`null`: not set, i.e. the default). */
export interface RecordedSettings {
  refreshInterval: string | null;
  replicas: string | null;
}

/** Records the index's own refresh interval and replica count (not the defaults). */
export async function recordLoadSettings(http: OsHttp, index: string): Promise<RecordedSettings> {
  const response = await http.request({
    method: "GET",
    path: `${indexPath(index)}/_settings/index.refresh_interval,index.number_of_replicas`,
    querystring: { flat_settings: true },
  });
  if (response.status !== 200) {
    throw new PluginError(`cannot read the settings of "${index}": ${errorReason(response)}`, "bulkLoad");
  }
  const body = jsonOf<Record<string, { settings?: Record<string, string> }>>(response, "settings");
  const settings = Object.values(body)[0]?.settings ?? {};
  return {
    refreshInterval: settings["index.refresh_interval"] ?? null,
    replicas: settings["index.number_of_replicas"] ?? null,
  };
}

/** Sets refresh interval and replicas (`null` resets a setting to its default). */
export async function putLoadSettings(
  http: OsHttp,
  index: string,
  values: { refreshInterval: string | null; replicas: string | number | null },
): Promise<void> {
  const response = await http.request({
    method: "PUT",
    path: `${indexPath(index)}/_settings`,
    body: { index: { refresh_interval: values.refreshInterval, number_of_replicas: values.replicas } },
  });
  if (response.status !== 200) {
    throw new PluginError(`cannot change the settings of "${index}": ${errorReason(response)}`, "bulkLoad");
  }
}

/** Makes what was written searchable: `_refresh` on the whole index (a bulk refresh would not). */
export async function refreshIndex(http: OsHttp, index: string): Promise<void> {
  const response = await http.request({ method: "POST", path: `${indexPath(index)}/_refresh` });
  if (response.status !== 200) {
    throw new PluginError(`cannot refresh "${index}": ${errorReason(response)}`);
  }
}

/** Moves `alias` to `index` in one `_aliases` call, from every index that had it. */
export async function swapAlias(http: OsHttp, alias: string, index: string): Promise<string[]> {
  const current = await http.request({ method: "GET", path: `/_alias${indexPath(alias)}` });
  const holders =
    current.status === 200
      ? Object.keys(jsonOf<Record<string, unknown>>(current, "aliases"))
      : ([] as string[]);
  const actions: unknown[] = holders
    .filter((name) => name !== index)
    .map((name) => ({ remove: { index: name, alias } }));
  actions.push({ add: { index, alias } });
  const response = await http.request({ method: "POST", path: "/_aliases", body: { actions } });
  if (response.status !== 200) {
    throw new PluginError(`cannot move alias "${alias}" to "${index}": ${errorReason(response)}`, "alias");
  }
  return holders.filter((name) => name !== index);
}
