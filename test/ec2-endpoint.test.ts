import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  StartInstancesCommand,
  StopInstancesCommand,
  paginateDescribeInstances,
  type EC2ClientConfig,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  KMS_BOUNCE,
  instanceIdFor,
  makeInstances,
  startEc2Endpoint,
  type Ec2Endpoint,
} from '../harness/ec2';

let ep: Ec2Endpoint;
const clients: EC2Client[] = [];

function client(extra: Partial<EC2ClientConfig> = {}): EC2Client {
  const c = new EC2Client({
    endpoint: ep.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
    ...extra,
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<EC2ServiceException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EC2ServiceException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

async function describeAll(c: EC2Client, ids: string[]): Promise<Instance[]> {
  const out = await c.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

beforeAll(async () => {
  ep = await startEc2Endpoint();
});

beforeEach(() => {
  ep.reset();
  ep.setLimits(false);
  ep.latencyMs = 0;
  ep.settleMs = 0;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(async () => {
  await ep.close();
});

describe('makeInstances', () => {
  test('generates i- ids with 17 hex digits', () => {
    const list = makeInstances(3, { tags: { Schedule: 'x' }, state: 'stopped', firstIndex: 255 });
    expect(list.map((i) => i.instanceId)).toEqual([
      'i-000000000000000ff',
      'i-00000000000000100',
      'i-00000000000000101',
    ]);
    expect(list[0]).toEqual({
      instanceId: 'i-000000000000000ff',
      state: 'stopped',
      tags: { Schedule: 'x' },
    });
    expect(instanceIdFor(1)).toMatch(/^i-[0-9a-f]{17}$/);
  });
});

describe('DescribeInstances', () => {
  test('paginates 2,500 matching instances in 3 pages with tag and state filters', async () => {
    ep.addInstances(makeInstances(2500, { tags: { Schedule: 'office-hours' }, state: 'stopped' }));
    ep.addInstances(
      makeInstances(300, {
        tags: { Schedule: 'office-hours' },
        state: 'running',
        firstIndex: 5001,
      }),
    );
    ep.addInstances(
      makeInstances(200, { tags: { Schedule: 'nights' }, state: 'stopped', firstIndex: 9001 }),
    );
    const c = client();
    const pages: number[] = [];
    const seen = new Set<string>();
    let wrong = 0;
    for await (const page of paginateDescribeInstances(
      { client: c, pageSize: 1000 },
      {
        Filters: [
          { Name: 'tag:Schedule', Values: ['office-hours'] },
          { Name: 'instance-state-name', Values: ['stopped'] },
        ],
      },
    )) {
      const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      pages.push(instances.length);
      for (const i of instances) {
        seen.add(i.InstanceId ?? '');
        wrong += i.State?.Name === 'stopped' && i.State.Code === 80 ? 0 : 1;
        wrong += i.Tags?.[0]?.Value === 'office-hours' && i.Tags.length === 1 ? 0 : 1;
      }
    }
    expect(pages).toEqual([1000, 1000, 500]);
    expect(wrong).toBe(0);
    expect(seen.size).toBe(2500);
    const describes = ep.requests.filter((r) => r.action === 'DescribeInstances');
    expect(describes).toHaveLength(3);
    expect(describes[0].params).toMatchObject({
      'Filter.1.Name': 'tag:Schedule',
      'Filter.1.Value.1': 'office-hours',
      'Filter.2.Name': 'instance-state-name',
      'Filter.2.Value.1': 'stopped',
      MaxResults: '1000',
    });
    expect(describes[0].params.NextToken).toBeUndefined();
    expect(describes[1].params.NextToken).toEqual(expect.any(String));
  });

  test('tag-key, wildcard values, OR within a filter; full instance shape', async () => {
    ep.addInstances([
      {
        instanceId: instanceIdFor(1),
        state: 'running',
        tags: { Schedule: 'office-hours', Name: 'a & <b>' },
        hibernationConfigured: true,
      },
      {
        instanceId: instanceIdFor(2),
        state: 'stopped',
        tags: { Schedule: 'nights' },
        lifecycle: 'spot',
      },
      {
        instanceId: instanceIdFor(3),
        state: 'running',
        tags: {},
        rootDeviceType: 'instance-store',
      },
    ]);
    const c = client();
    const byKey = await c.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['Schedule'] }] }),
    );
    const ids = (r: typeof byKey) =>
      (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => i.InstanceId);
    expect(ids(byKey)).toEqual([instanceIdFor(1), instanceIdFor(2)]);

    const wild = await c.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'tag:Schedule', Values: ['office-*', 'nothing'] }],
      }),
    );
    expect(ids(wild)).toEqual([instanceIdFor(1)]);

    const states = await c.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }],
      }),
    );
    expect(ids(states)).toEqual([instanceIdFor(1), instanceIdFor(3)]);

    const all = await c.send(new DescribeInstancesCommand({}));
    expect(all.NextToken).toBeUndefined();
    const [r1, r2, r3] = all.Reservations ?? [];
    expect(r1.ReservationId).toMatch(/^r-/);
    expect(r1.OwnerId).toBe('123456789012');
    const [a] = r1.Instances ?? [];
    expect(a).toMatchObject({
      InstanceId: instanceIdFor(1),
      State: { Code: 16, Name: 'running' },
      InstanceType: 't3.micro',
      RootDeviceType: 'ebs',
      HibernationOptions: { Configured: true },
    });
    expect(a.InstanceLifecycle).toBeUndefined();
    expect(a.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Schedule', Value: 'office-hours' },
        { Key: 'Name', Value: 'a & <b>' },
      ]),
    );
    expect(r2.Instances?.[0]).toMatchObject({
      InstanceLifecycle: 'spot',
      HibernationOptions: { Configured: false },
    });
    expect(r3.Instances?.[0].RootDeviceType).toBe('instance-store');
    expect(r3.Instances?.[0].Tags).toBeUndefined();

    const none = await c.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Nope', Values: ['x'] }] }),
    );
    expect(none.Reservations ?? []).toEqual([]);
  });

  test('parameter errors: MaxResults with InstanceIds, MaxResults range, unknown id, bad filter', async () => {
    ep.addInstances(makeInstances(2));
    const c = client();
    const combo = await failure(
      c.send(new DescribeInstancesCommand({ InstanceIds: [instanceIdFor(1)], MaxResults: 5 })),
    );
    expect(combo.name).toBe('InvalidParameterCombination');
    expect(combo.$metadata.httpStatusCode).toBe(400);
    expect((await failure(c.send(new DescribeInstancesCommand({ MaxResults: 4 })))).name).toBe(
      'InvalidParameterValue',
    );
    const nf = await failure(
      c.send(new DescribeInstancesCommand({ InstanceIds: [instanceIdFor(1), instanceIdFor(77)] })),
    );
    expect(nf.name).toBe('InvalidInstanceID.NotFound');
    expect(nf.message).toContain(instanceIdFor(77));
    expect(nf.$fault).toBe('client');
    expect(
      (
        await failure(
          c.send(new DescribeInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(await describeAll(c, [instanceIdFor(2)])).toHaveLength(1);
  });
});

describe('StartInstances / StopInstances', () => {
  test('transitions and settles right after the response by default', async () => {
    ep.addInstances(makeInstances(2, { state: 'stopped' }));
    ep.addInstances(makeInstances(1, { state: 'running', firstIndex: 3 }));
    const c = client();
    const started = await c.send(
      new StartInstancesCommand({ InstanceIds: [instanceIdFor(1), instanceIdFor(3)] }),
    );
    expect(started.StartingInstances).toEqual([
      {
        InstanceId: instanceIdFor(1),
        CurrentState: { Code: 0, Name: 'pending' },
        PreviousState: { Code: 80, Name: 'stopped' },
      },
      {
        InstanceId: instanceIdFor(3),
        CurrentState: { Code: 16, Name: 'running' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ]);
    expect(ep.instance(instanceIdFor(1))?.state).toBe('running');

    const stopped = await c.send(
      new StopInstancesCommand({ InstanceIds: [instanceIdFor(1), instanceIdFor(2)] }),
    );
    expect(
      stopped.StoppingInstances?.map((s) => [s.CurrentState?.Name, s.PreviousState?.Name]),
    ).toEqual([
      ['stopping', 'running'],
      ['stopped', 'stopped'],
    ]);
    const [one] = await describeAll(c, [instanceIdFor(1)]);
    expect(one.State?.Name).toBe('stopped');
    expect(one.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    const stops = ep.requests.filter((r) => r.action === 'StopInstances');
    expect(stops).toHaveLength(1);
    expect(stops[0].instanceIds).toEqual([instanceIdFor(1), instanceIdFor(2)]);
    expect(stops[0].status).toBe(200);
    expect(ep.countCalls('StartInstances')).toBe(1);
  });

  test('settleMs keeps pending/stopping visible until it elapses; starting a stopping instance fails', async () => {
    ep.settleMs = 250;
    ep.addInstances(makeInstances(1, { state: 'stopped' }));
    ep.addInstances(makeInstances(1, { state: 'running', firstIndex: 2 }));
    const c = client();
    await c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }));
    await c.send(new StopInstancesCommand({ InstanceIds: [instanceIdFor(2)] }));
    expect(
      (await describeAll(c, [instanceIdFor(1), instanceIdFor(2)])).map((i) => i.State?.Name),
    ).toEqual(['pending', 'stopping']);
    const again = await c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }));
    expect(again.StartingInstances?.[0].CurrentState?.Name).toBe('pending');
    const wrong = await failure(
      c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(2)] })),
    );
    expect(wrong.name).toBe('IncorrectInstanceState');
    const early = await failure(
      c.send(new StopInstancesCommand({ InstanceIds: [instanceIdFor(1)] })),
    );
    expect(early.name).toBe('IncorrectInstanceState');
    expect(ep.instance(instanceIdFor(1))?.state).toBe('pending');
    await sleep(300);
    expect(ep.instance(instanceIdFor(1))?.state).toBe('running');
    expect(ep.instance(instanceIdFor(2))?.state).toBe('stopped');
  });

  test('hibernate, and UnsupportedHibernationConfiguration changes nothing', async () => {
    ep.addInstances(makeInstances(1, { hibernationConfigured: true }));
    ep.addInstances(makeInstances(1, { firstIndex: 2 }));
    const c = client();
    const hib = await c.send(
      new StopInstancesCommand({ InstanceIds: [instanceIdFor(1)], Hibernate: true }),
    );
    expect(hib.StoppingInstances?.[0].CurrentState).toEqual({ Code: 64, Name: 'stopping' });
    expect(ep.requests[0].params.Hibernate).toBe('true');
    expect(ep.instance(instanceIdFor(1))).toMatchObject({
      state: 'stopped',
      stateReason: { code: 'Client.UserInitiatedHibernate' },
    });

    ep.addInstances(makeInstances(1, { hibernationConfigured: true, firstIndex: 3 }));
    const err = await failure(
      c.send(
        new StopInstancesCommand({
          InstanceIds: [instanceIdFor(3), instanceIdFor(2)],
          Hibernate: true,
        }),
      ),
    );
    expect(err.name).toBe('UnsupportedHibernationConfiguration');
    expect(err.message).toContain(instanceIdFor(2));
    expect(ep.instance(instanceIdFor(2))?.state).toBe('running');
    expect(ep.instance(instanceIdFor(3))?.state).toBe('running');
    expect(ep.requests.at(-1)).toMatchObject({
      status: 400,
      errorCode: 'UnsupportedHibernationConfiguration',
    });
  });

  test('one failing id fails the whole call and changes nothing', async () => {
    ep.addInstances(makeInstances(3, { state: 'stopped' }));
    ep.failInstance(instanceIdFor(2), 'InsufficientInstanceCapacity');
    const c = client();
    const ids = [instanceIdFor(1), instanceIdFor(2), instanceIdFor(3)];
    const ice = await failure(c.send(new StartInstancesCommand({ InstanceIds: ids })));
    expect(ice.name).toBe('InsufficientInstanceCapacity');
    expect(ice.$metadata.httpStatusCode).toBe(500);
    expect(ice.$fault).toBe('server');
    expect(ep.instances().map((i) => i.state)).toEqual(['stopped', 'stopped', 'stopped']);

    const nf = await failure(
      c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1), instanceIdFor(99)] })),
    );
    expect(nf.name).toBe('InvalidInstanceID.NotFound');
    expect(ep.instance(instanceIdFor(1))?.state).toBe('stopped');

    ep.failInstance(instanceIdFor(3), 'IncorrectInstanceState', undefined, { times: 1 });
    ep.clearFaults(instanceIdFor(2));
    expect((await failure(c.send(new StartInstancesCommand({ InstanceIds: ids })))).name).toBe(
      'IncorrectInstanceState',
    );
    const ok = await c.send(new StartInstancesCommand({ InstanceIds: ids }));
    expect(ok.StartingInstances).toHaveLength(3);
    expect(ep.instances().map((i) => i.state)).toEqual(['running', 'running', 'running']);
  });

  test('bounce: a start with a missing KMS grant goes pending -> stopped with Client.InternalError', async () => {
    ep.addInstances(makeInstances(1, { state: 'stopped', bounce: KMS_BOUNCE }));
    ep.addInstances(makeInstances(1, { state: 'stopped', firstIndex: 2 }));
    const c = client();
    const out = await c.send(
      new StartInstancesCommand({ InstanceIds: [instanceIdFor(1), instanceIdFor(2)] }),
    );
    expect(out.StartingInstances?.map((s) => s.CurrentState?.Name)).toEqual(['pending', 'pending']);
    const [bounced, fine] = await describeAll(c, [instanceIdFor(1), instanceIdFor(2)]);
    expect(bounced.State).toEqual({ Code: 80, Name: 'stopped' });
    expect(bounced.StateReason).toEqual({
      Code: 'Client.InternalError',
      Message: 'Client.InternalError: Client error on launch',
    });
    expect(fine.State?.Name).toBe('running');
    expect(fine.StateReason).toBeUndefined();
  });
});

describe('throttling', () => {
  test('throttleNext surfaces RequestLimitExceeded (503) and the SDK classifies it as throttling', async () => {
    ep.addInstances(makeInstances(1, { state: 'stopped' }));
    const c = client();
    ep.throttleNext(1, 'StartInstances');
    await c.send(new DescribeInstancesCommand({})); // other action: not throttled
    const err = await failure(
      c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] })),
    );
    expect(err.name).toBe('RequestLimitExceeded');
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.$metadata.attempts).toBe(1);
    expect(ep.instance(instanceIdFor(1))?.state).toBe('stopped');
    expect(ep.throttledCount()).toBe(1);
    expect(ep.throttledCount('StartInstances')).toBe(1);

    // A retry strategy that records the SDK's own error classification and retries immediately.
    const seen: string[] = [];
    const token = (n: number) => ({
      getRetryCount: () => n,
      getRetryDelay: () => 0,
      getRetryTokenCount: () => 1,
    });
    const recording = client({
      retryStrategy: {
        mode: 'standard',
        acquireInitialRetryToken: async () => token(0),
        refreshRetryTokenForRetry: async (t, info) => {
          seen.push(info.errorType);
          if (t.getRetryCount() >= 3) throw info.error;
          return token(t.getRetryCount() + 1);
        },
        recordSuccess: () => undefined,
      },
    });
    ep.throttleNext(2);
    const out = await recording.send(
      new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }),
    );
    expect(out.$metadata.attempts).toBe(3);
    expect(seen).toEqual(['THROTTLING', 'THROTTLING']);
    expect(ep.throttledCount()).toBe(3);

    // A client error is classified as such (and so not retried by the default strategies).
    seen.length = 0;
    const nf = await failure(
      recording.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(9)] })),
    );
    expect(nf.name).toBe('InvalidInstanceID.NotFound');
    expect(seen[0]).toBe('CLIENT_ERROR');
  });

  test('resource bucket: 1000-id start ok, next 5 throttled until scaled refill', async () => {
    // StartInstances resource refill: 2/s * 4 = 8 tokens/wall-s. Slower scales leave more room
    // for a cold SDK's reading of the 1,000-instance answer before the second call.
    ep.setLimits({ timeScale: 4 });
    ep.addInstances(makeInstances(1005, { state: 'stopped' }));
    const c = client();
    const ids = ep.instances().map((i) => i.instanceId);
    ep.resetClock();
    const big = await c.send(new StartInstancesCommand({ InstanceIds: ids.slice(0, 1000) }));
    expect(big.StartingInstances).toHaveLength(1000);
    const rest = ids.slice(1000);
    const err = await failure(c.send(new StartInstancesCommand({ InstanceIds: rest })));
    expect(err.name).toBe('RequestLimitExceeded');
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(ep.instance(rest[0])?.state).toBe('stopped');
    expect(ep.tokens('StartInstances')?.resource).toBeLessThan(5);
    // 5 resource tokens take 2.5 EC2 seconds (625 wall ms at timeScale 4).
    while ((ep.tokens('StartInstances')?.resource ?? 0) < 5) await sleep(20);
    expect(ep.ec2Seconds()).toBeGreaterThanOrEqual(2.5);
    const ok = await c.send(new StartInstancesCommand({ InstanceIds: rest }));
    expect(ok.StartingInstances).toHaveLength(5);
    expect(ep.throttledCount('StartInstances')).toBe(1);
  });

  test('request bucket: StartInstances allows 5 calls in a burst', async () => {
    ep.setLimits({ timeScale: 0.001 });
    ep.addInstances(makeInstances(1));
    const c = client();
    for (let k = 0; k < 5; k++) {
      await c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] }));
    }
    const err = await failure(
      c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] })),
    );
    expect(err.name).toBe('RequestLimitExceeded');
    // Other actions have their own buckets.
    await c.send(new StopInstancesCommand({ InstanceIds: [instanceIdFor(1)] }));
  });
});

describe('injected faults and limits on failed calls', () => {
  test('a fault rule answers matching requests with an EC2 error, a raw answer, or nothing at all', async () => {
    ep.addInstances(makeInstances(2, { state: 'stopped' }));
    const c = client();
    ep.injectFault({ action: 'DescribeInstances', times: 1, respond: { code: 'InternalError' } });
    const err = await failure(c.send(new DescribeInstancesCommand({})));
    expect(err).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    ep.injectFault({
      action: 'StartInstances',
      times: 1,
      respond: { status: 502, contentType: 'text/html', body: '<html>502 Bad Gateway</html>' },
    });
    const html = await failure(
      c.send(new StartInstancesCommand({ InstanceIds: [instanceIdFor(1)] })),
    );
    expect(html.$metadata.httpStatusCode).toBe(502);
    expect(ep.instance(instanceIdFor(1))?.state).toBe('stopped');
    ep.injectFault({ action: 'StopInstances', respond: 'hang' });
    const hung = await c
      .send(new StopInstancesCommand({ InstanceIds: [instanceIdFor(2)] }), {
        abortSignal: AbortSignal.timeout(100),
      })
      .catch((e: Error) => e);
    expect((hung as Error).name).toBe('AbortError');
    expect(ep.requests.map((r) => [r.action, r.status])).toEqual([
      ['DescribeInstances', 500],
      ['StartInstances', 502],
      ['StopInstances', 0],
    ]);
  });

  test('failed calls take their tokens unless chargeFailedCalls is false', async () => {
    ep.addInstances(makeInstances(1000, { state: 'stopped' }));
    ep.failInstance(instanceIdFor(1000), 'InsufficientInstanceCapacity');
    const ids = ep.instances().map((i) => i.instanceId);
    ep.setLimits({ timeScale: 0.001 });
    await failure(client().send(new StartInstancesCommand({ InstanceIds: ids })));
    expect(ep.tokens('StartInstances')?.resource).toBeLessThan(1);
    ep.setLimits({ timeScale: 0.001, chargeFailedCalls: false });
    await failure(client().send(new StartInstancesCommand({ InstanceIds: ids })));
    expect(ep.tokens('StartInstances')).toEqual({ request: 5, resource: 1000 });
  });
});

describe('other calls', () => {
  test('CreateTags sets tags', async () => {
    ep.addInstances(makeInstances(2, { tags: { Schedule: 'office-hours' } }));
    const c = client();
    const out = await c.send(
      new CreateTagsCommand({
        Resources: [instanceIdFor(1), instanceIdFor(2)],
        Tags: [
          { Key: 'SchedulerLastAction', Value: 'stop' },
          { Key: 'Schedule', Value: 'nights' },
        ],
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(ep.instance(instanceIdFor(2))?.tags).toEqual({
      Schedule: 'nights',
      SchedulerLastAction: 'stop',
    });
    expect(ep.requests[0].instanceIds).toEqual([instanceIdFor(1), instanceIdFor(2)]);
    const nf = await failure(
      c.send(
        new CreateTagsCommand({ Resources: [instanceIdFor(5)], Tags: [{ Key: 'a', Value: 'b' }] }),
      ),
    );
    expect(nf.name).toBe('InvalidInstanceID.NotFound');
    const reserved = await failure(
      c.send(
        new CreateTagsCommand({
          Resources: [instanceIdFor(1)],
          Tags: [{ Key: 'aws:x', Value: 'b' }],
        }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
  });

  test('DeleteTags deletes a key whatever its value, or only with the value given', async () => {
    const tags = { Schedule: 'office-hours', 'Schedule:override': 'running until 2026-12-02' };
    ep.addInstances(makeInstances(3, { tags }));
    const c = client();
    await c.send(
      new DeleteTagsCommand({
        Resources: [instanceIdFor(1), instanceIdFor(2)],
        Tags: [{ Key: 'Schedule:override' }],
      }),
    );
    expect(ep.instance(instanceIdFor(1))?.tags).toEqual({ Schedule: 'office-hours' });
    expect(ep.instance(instanceIdFor(2))?.tags).toEqual({ Schedule: 'office-hours' });
    expect(ep.instance(instanceIdFor(3))?.tags).toEqual(tags);
    expect(ep.requests[0]).toMatchObject({
      action: 'DeleteTags',
      instanceIds: [instanceIdFor(1), instanceIdFor(2)],
      params: expect.objectContaining({ 'Tag.1.Key': 'Schedule:override' }),
    });
    expect(ep.requests[0].params['Tag.1.Value']).toBeUndefined();
    // With a value, only a tag holding that value goes.
    await c.send(
      new DeleteTagsCommand({
        Resources: [instanceIdFor(3)],
        Tags: [
          { Key: 'Schedule', Value: 'other' },
          { Key: 'Schedule:override', Value: 'running until 2026-12-02' },
        ],
      }),
    );
    expect(ep.instance(instanceIdFor(3))?.tags).toEqual({ Schedule: 'office-hours' });
    // A key the instance lacks is no error.
    await c.send(new DeleteTagsCommand({ Resources: [instanceIdFor(3)], Tags: [{ Key: 'x' }] }));
    const nf = await failure(
      c.send(new DeleteTagsCommand({ Resources: [instanceIdFor(9)], Tags: [{ Key: 'x' }] })),
    );
    expect(nf.name).toBe('InvalidInstanceID.NotFound');
    const bad = await failure(
      c.send(new DeleteTagsCommand({ Resources: ['i-nothex'], Tags: [{ Key: 'x' }] })),
    );
    expect(bad.name).toBe('InvalidID');
    const reserved = await failure(
      c.send(new DeleteTagsCommand({ Resources: [instanceIdFor(3)], Tags: [{ Key: 'aws:x' }] })),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
    expect(ep.instance(instanceIdFor(3))?.tags).toEqual({ Schedule: 'office-hours' });
  });

  test('a client configured only through AWS_ENDPOINT_URL_EC2 reaches the endpoint', async () => {
    ep.addInstances(makeInstances(1, { tags: { Schedule: 'office-hours' } }));
    const saved = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = ep.url;
    try {
      const c = new EC2Client({
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
      });
      clients.push(c);
      expect(await describeAll(c, [instanceIdFor(1)])).toHaveLength(1);
      expect(ep.countCalls('DescribeInstances')).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = saved;
    }
  });

  test('unsupported actions answer InvalidAction', async () => {
    const err = await failure(client().send(new DescribeVolumesCommand({})));
    expect(err.name).toBe('InvalidAction');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(ep.requests[0]).toMatchObject({ action: 'DescribeVolumes', errorCode: 'InvalidAction' });
  });

  test('latency is applied per call, and a fresh endpoint honours its options and closes cleanly', async () => {
    const other = await startEc2Endpoint({
      latencyMs: 40,
      limits: { timeScale: 0.01 },
      instances: makeInstances(1),
    });
    try {
      const c = new EC2Client({
        endpoint: other.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
        maxAttempts: 1,
      });
      clients.push(c);
      const t0 = Date.now();
      await c.send(new DescribeInstancesCommand({}));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
      expect(other.tokens('DescribeInstances')?.request).toBeLessThan(100);
      expect(other.requests[0].ec2At).toBeGreaterThan(0);
      expect(other.ec2Seconds()).toBeLessThan(1); // scaled down 100x
      // A request in flight when the endpoint closes does not keep it open.
      other.latencyMs = 5000;
      const pending = c.send(new DescribeInstancesCommand({})).catch((e: unknown) => e);
      await sleep(20);
      await other.close();
      expect(await pending).toBeInstanceOf(Error);
    } finally {
      await other.close();
    }
  });
});

describe('platformDetails', () => {
  test('DescribeInstances gives platformDetails (default Linux/UNIX), and platform for Windows', async () => {
    ep.addInstances([
      ...makeInstances(1, { firstIndex: 1 }),
      ...makeInstances(1, { firstIndex: 2, platformDetails: 'Windows' }),
      ...makeInstances(1, { firstIndex: 3, platformDetails: 'Red Hat Enterprise Linux' }),
    ]);
    const found = await describeAll(client(), [1, 2, 3].map(instanceIdFor));
    expect(found.map((i) => [i.PlatformDetails, i.Platform])).toEqual([
      ['Linux/UNIX', undefined],
      ['Windows', 'windows'],
      ['Red Hat Enterprise Linux', undefined],
    ]);
  });
});
