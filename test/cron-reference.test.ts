/**
 * Pins the brute-force cron reference (the property test's oracle) on facts checked by hand
 * against Intl and a calendar, so a mistake in the oracle cannot pass as a library defect.
 */
import { parseReferenceCron, referenceFirings } from './support/cron-reference';
import { clockChanges, offsetMinutesAt } from './support/zone-offsets';

/** The reference's firings, at most 10, in 62 days after `from`. */
function firings(expression: string, timeZone: string, from: string): string[] {
  const until = new Date(Date.parse(from) + 62 * 86_400_000).toISOString();
  return referenceFirings(expression, timeZone, from, until, 10);
}

describe('time zone edges', () => {
  test('New York, Sun 14 March 2027 (02:00 EST -> 03:00 EDT): a daily 02:30 skips that day', () => {
    expect(
      referenceFirings(
        'cron(30 2 * * ? *)',
        'America/New_York',
        '2027-03-12T00:00:00Z',
        '2027-03-17T00:00:00Z',
      ),
    ).toEqual([
      '2027-03-12T07:30:00Z', // 02:30 EST
      '2027-03-13T07:30:00Z',
      '2027-03-15T06:30:00Z', // 02:30 EDT
      '2027-03-16T06:30:00Z',
    ]);
  });

  test('New York, Sun 1 November 2026 (02:00 EDT -> 01:00 EST): a daily 01:30 fires once, at the first pass', () => {
    const daily0130 = 'cron(30 1 * * ? *)';
    expect(firings(daily0130, 'America/New_York', '2026-10-31T12:00:00Z').slice(0, 2)).toEqual([
      '2026-11-01T05:30:00Z', // 01:30 EDT; 06:30Z is 01:30 EST again
      '2026-11-02T06:30:00Z',
    ]);
    // From between the two passes: the first pass has fired already.
    expect(firings(daily0130, 'America/New_York', '2026-11-01T06:00:00Z')[0]).toBe(
      '2026-11-02T06:30:00Z',
    );
  });

  test('New York, every minute across the fall-back hour: the repeated hour fires once', () => {
    expect(
      referenceFirings(
        'cron(* * * * ? *)',
        'America/New_York',
        '2026-11-01T05:58:00Z',
        '2026-11-01T07:01:00Z',
      ),
    ).toEqual(['2026-11-01T05:59:00Z', '2026-11-01T07:00:00Z', '2026-11-01T07:01:00Z']);
  });

  test('Lord Howe, Sun 5 April 2026 (02:00 +11 -> 01:30 +10:30): 01:45 fires once, at the first pass', () => {
    expect(firings('cron(45 1 * * ? *)', 'Australia/Lord_Howe', '2026-04-03T00:00:00Z')).toEqual(
      expect.arrayContaining(['2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z']),
    );
    expect(
      firings('cron(45 1 * * ? *)', 'Australia/Lord_Howe', '2026-04-03T00:00:00Z'),
    ).not.toContain('2026-04-04T15:15:00Z'); // 01:45 +10:30, the second pass
  });

  test('Lord Howe: Sunday 08:00 on +10:30 is 21:30Z the day before', () => {
    expect(
      firings('cron(0 8 ? * SUN *)', 'Australia/Lord_Howe', '2026-03-30T00:00:00Z').slice(0, 2),
    ).toEqual(['2026-04-04T21:30:00Z', '2026-04-11T21:30:00Z']);
  });

  test('Lord Howe, Sun 4 October 2026 (02:00 +10:30 -> 02:30 +11): 02:30 exists, 02:00-02:29 do not', () => {
    expect(
      firings('cron(30 * * * ? *)', 'Australia/Lord_Howe', '2026-10-03T13:00:00Z').slice(0, 4),
    ).toEqual([
      '2026-10-03T14:00:00Z', // 00:30 +10:30
      '2026-10-03T15:00:00Z', // 01:30 +10:30
      '2026-10-03T15:30:00Z', // 02:30 +11
      '2026-10-03T16:30:00Z', // 03:30 +11
    ]);
    expect(
      firings('cron(15 2 * * ? *)', 'Australia/Lord_Howe', '2026-10-02T00:00:00Z').slice(0, 3),
    ).toEqual(['2026-10-02T15:45:00Z', '2026-10-04T15:15:00Z', '2026-10-05T15:15:00Z']);
  });

  test('Chatham, Sun 27 September 2026 (02:45 +12:45 -> 03:45 +13:45): a daily 03:45 fires at 14:00Z', () => {
    expect(
      firings('cron(45 3 * * ? *)', 'Pacific/Chatham', '2026-09-25T00:00:00Z').slice(0, 3),
    ).toEqual(['2026-09-25T15:00:00Z', '2026-09-26T14:00:00Z', '2026-09-27T14:00:00Z']);
  });

  test('Sao Paulo, Sun 4 November 2018 (00:00 -03 -> 01:00 -02): midnight does not exist that day', () => {
    expect(
      firings('cron(0 0 * * ? *)', 'America/Sao_Paulo', '2018-11-02T00:00:00Z').slice(0, 3),
    ).toEqual(['2018-11-02T03:00:00Z', '2018-11-03T03:00:00Z', '2018-11-05T02:00:00Z']);
  });

  test('Kolkata (+05:30): the year turns at 18:30Z', () => {
    expect(
      firings('cron(0 0 1 JAN ? *)', 'Asia/Kolkata', '2026-12-31T18:00:00Z').slice(0, 1),
    ).toEqual(['2026-12-31T18:30:00Z']);
  });
});

describe('days of the month and week (in UTC)', () => {
  test('31W: no April or June; Sunday 31 May 2026 -> Friday 29', () => {
    expect(
      referenceFirings(
        'cron(0 8 31W * ? *)',
        'UTC',
        '2026-03-01T00:00:00Z',
        '2026-08-01T00:00:00Z',
      ),
    ).toEqual(['2026-03-31T08:00:00Z', '2026-05-29T08:00:00Z', '2026-07-31T08:00:00Z']);
  });

  test('nW for a day February lacks never fires; 28W on Sunday 28 Feb 2027 -> Friday 26', () => {
    expect(
      referenceFirings(
        'cron(0 8 30W 2 ? *)',
        'UTC',
        '2026-01-01T00:00:00Z',
        '2030-01-01T00:00:00Z',
      ),
    ).toEqual([]);
    expect(firings('cron(0 8 28W 2 ? 2027)', 'UTC', '2027-01-20T00:00:00Z')).toEqual([
      '2027-02-26T08:00:00Z',
    ]);
  });

  test('1W on Saturday 1 August 2026 -> Monday 3; LW in May 2026 (Sunday 31) -> Friday 29', () => {
    expect(firings('cron(0 8 1W * ? *)', 'UTC', '2026-07-15T00:00:00Z')[0]).toBe(
      '2026-08-03T08:00:00Z',
    );
    expect(firings('cron(0 8 LW * ? *)', 'UTC', '2026-05-01T00:00:00Z')[0]).toBe(
      '2026-05-29T08:00:00Z',
    );
  });

  test('L is the last day of the month', () => {
    expect(firings('cron(0 8 L * ? *)', 'UTC', '2027-01-15T00:00:00Z').slice(0, 2)).toEqual([
      '2027-01-31T08:00:00Z',
      '2027-02-28T08:00:00Z',
    ]);
  });

  test('6L and FRIL are the last Friday; L alone in day-of-week is every Saturday', () => {
    const lastFridays = ['2026-07-31T08:00:00Z', '2026-08-28T08:00:00Z'];
    expect(firings('cron(0 8 ? * 6L *)', 'UTC', '2026-07-01T00:00:00Z')).toEqual(lastFridays);
    expect(firings('cron(0 8 ? * fril *)', 'UTC', '2026-07-01T00:00:00Z')).toEqual(lastFridays);
    expect(firings('cron(0 8 ? * L *)', 'UTC', '2026-07-01T00:00:00Z').slice(0, 2)).toEqual([
      '2026-07-04T08:00:00Z',
      '2026-07-11T08:00:00Z',
    ]);
  });

  test('2#1 is the first Monday; MON#5 skips months with four Mondays', () => {
    expect(firings('cron(0 8 ? * 2#1 *)', 'UTC', '2026-05-01T00:00:00Z')).toEqual([
      '2026-05-04T08:00:00Z',
      '2026-06-01T08:00:00Z',
    ]);
    expect(
      referenceFirings(
        'cron(0 8 ? * MON#5 *)',
        'UTC',
        '2026-03-01T00:00:00Z',
        '2026-07-01T00:00:00Z',
      ),
    ).toEqual(['2026-03-30T08:00:00Z', '2026-06-29T08:00:00Z']);
  });

  test('a/n runs to the field maximum; names are case-insensitive; the year field filters', () => {
    expect(firings('cron(0 8 20/5 * ? *)', 'UTC', '2026-03-01T00:00:00Z').slice(0, 3)).toEqual([
      '2026-03-20T08:00:00Z',
      '2026-03-25T08:00:00Z',
      '2026-03-30T08:00:00Z',
    ]);
    expect(parseReferenceCron('cron(0 8 ? jan,mar mon-fri *)')).toEqual(
      parseReferenceCron('cron(0 8 ? JAN,MAR MON-FRI *)'),
    );
    expect(firings('cron(0 0 1 1 ? 2027)', 'UTC', '2026-12-01T00:00:00Z')).toEqual([
      '2027-01-01T00:00:00Z',
    ]);
  });

  test.each([
    ['cron(0 8 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 8 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 24 * * ? *)', /hours "24" is not 0-23/],
    ['cron(0 8 * * ?)', /not cron\(\) with six fields/],
    ['cron(0 8 ? * FRI-MON *)', /range "FRI-MON" runs back/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseReferenceCron(expression)).toThrow(message);
  });
});

describe('clock changes', () => {
  test('New York, Lord Howe and Chatham in 2026-2027, to the minute', () => {
    const changes = (zone: string) =>
      clockChanges(zone, '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z').map(
        (c) => `${c.utc} ${c.offsetBefore}->${c.offsetAfter}`,
      );
    expect(changes('America/New_York')).toEqual([
      '2026-03-08T07:00:00Z -300->-240',
      '2026-11-01T06:00:00Z -240->-300',
      '2027-03-14T07:00:00Z -300->-240',
      '2027-11-07T06:00:00Z -240->-300',
    ]);
    expect(changes('Australia/Lord_Howe')).toEqual([
      '2026-04-04T15:00:00Z 660->630',
      '2026-10-03T15:30:00Z 630->660',
      '2027-04-03T15:00:00Z 660->630',
      '2027-10-02T15:30:00Z 630->660',
    ]);
    expect(changes('Pacific/Chatham')[1]).toBe('2026-09-26T14:00:00Z 765->825');
    expect(changes('Asia/Tokyo')).toEqual([]);
  });

  test('offsets of half-hour and 45-minute zones', () => {
    expect(offsetMinutesAt('America/St_Johns', Date.parse('2026-01-15T00:00:00Z'))).toBe(-210);
    expect(offsetMinutesAt('Pacific/Chatham', Date.parse('2026-07-15T00:00:00Z'))).toBe(765);
    expect(offsetMinutesAt('Asia/Kolkata', Date.parse('2026-07-15T00:00:00Z'))).toBe(330);
  });
});
