import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestFor, type AgentIdentity } from './call-request.js';

const id: AgentIdentity = {
  namespace: 'telemetry',
  podName: 'agent-x1',
  nodeName: 'node-00003',
  workloadName: 'agent',
  workloadPath: 'apis/apps/v1/daemonsets',
};

describe('requestFor', () => {
  it('lists all pods of the cluster, consistent or from the watch cache', () => {
    assert.deepEqual(
      requestFor(
        { verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 60, resourceVersion: '' },
        id,
        0,
      ),
      {
        method: 'GET',
        path: '/api/v1/pods',
        watch: false,
      },
    );
    assert.equal(
      requestFor(
        { verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 60, resourceVersion: '0' },
        id,
        0,
      ).path,
      '/api/v1/pods?resourceVersion=0',
    );
  });

  it('filters node-scoped pod reads by the agent node, and namespaces group resources', () => {
    const r = requestFor(
      { verb: 'list', resource: 'pods', scope: 'node', everySeconds: 10, resourceVersion: '' },
      id,
      0,
    );
    assert.equal(r.path, '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-00003');
    const d = requestFor(
      {
        verb: 'list',
        resource: 'apps/daemonsets',
        scope: 'namespace',
        everySeconds: 10,
        resourceVersion: '',
      },
      id,
      0,
    );
    assert.equal(d.path, '/apis/apps/v1/namespaces/telemetry/daemonsets');
  });

  it('watches as long-running requests with bookmarks', () => {
    const w = requestFor(
      { verb: 'watch', resource: 'endpointslices', scope: 'cluster', resourceVersion: '0' },
      id,
      0,
    );
    assert.equal(w.watch, true);
    assert.equal(
      w.path,
      '/apis/discovery.k8s.io/v1/endpointslices?watch=1&allowWatchBookmarks=true&resourceVersion=0',
    );
  });

  it('gets its own pod, node and workload', () => {
    const get = (resource: string): string =>
      requestFor({ verb: 'get', resource, scope: 'object', everySeconds: 1, resourceVersion: '' }, id, 0)
        .path;
    assert.equal(get('pods'), '/api/v1/namespaces/telemetry/pods/agent-x1');
    assert.equal(get('nodes'), '/api/v1/nodes/node-00003');
    assert.equal(get('daemonsets'), '/apis/apps/v1/namespaces/telemetry/daemonsets/agent');
  });

  it('writes without leaving garbage: events for real, other creates and deletes as dry runs', () => {
    const ev = requestFor(
      { verb: 'create', resource: 'events', scope: 'namespace', everySeconds: 1, resourceVersion: '' },
      id,
      7,
    );
    assert.equal(ev.method, 'POST');
    assert.equal(ev.path, '/api/v1/namespaces/telemetry/events');
    assert.match(ev.body ?? '', /"name":"agent-x1-7"/);
    const cm = requestFor(
      { verb: 'create', resource: 'configmaps', scope: 'namespace', everySeconds: 1, resourceVersion: '' },
      id,
      1,
    );
    assert.equal(cm.path, '/api/v1/namespaces/telemetry/configmaps?dryRun=All');
    const del = requestFor(
      { verb: 'delete', resource: 'pods', scope: 'object', everySeconds: 1, resourceVersion: '' },
      id,
      1,
    );
    assert.deepEqual(
      [del.method, del.path],
      ['DELETE', '/api/v1/namespaces/telemetry/pods/agent-x1?dryRun=All'],
    );
    const patch = requestFor(
      { verb: 'update', resource: 'nodes', scope: 'object', everySeconds: 1, resourceVersion: '' },
      id,
      1,
    );
    assert.deepEqual(
      [patch.method, patch.path, patch.contentType],
      ['PATCH', '/api/v1/nodes/node-00003', 'application/merge-patch+json'],
    );
  });
});
