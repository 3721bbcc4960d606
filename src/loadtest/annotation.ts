import type { ApiCall } from '../model/api-profile.js';
import { badInput } from '../core/errors.js';
import { apiCallListSchema, toApiCalls } from '../config/api-profile.js';
import { parseYamlDocuments, validate } from '../config/yaml-source.js';

/**
 * The calls of a live object's `rampart.dev/api-profile` annotation, validated by the same schema
 * `analyze` uses for manifests. `label` names the object in errors (e.g. `DaemonSet kube-system/agent`).
 */
export function parseProfileAnnotation(label: string, value: string): ApiCall[] {
  const first = parseYamlDocuments(label, value)[0];
  if (!first) throw badInput(`${label}: annotation rampart.dev/api-profile is empty`);
  return toApiCalls(validate(first, apiCallListSchema));
}
