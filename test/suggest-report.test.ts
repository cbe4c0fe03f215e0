import { reportJson, type SuggestReport } from '../lib/suggest/suggest-report';

test('--json puts each list of week hours on one line and loses nothing', () => {
  const report = {
    region: 'eu-central-1',
    notes: ['a note with [ 1, 2 ] in it'],
    instances: [{ maxCpu: [1.5, null, 80, 2e-7], busy: [true, false], running: [] }],
  } as unknown as SuggestReport;
  const text = reportJson(report);
  expect(JSON.parse(text)).toEqual(report);
  expect(text).toContain('"maxCpu": [1.5,null,80,2e-7]');
  expect(text).toContain('"busy": [true,false]');
  expect(text).toContain('"a note with [ 1, 2 ] in it"');
});
