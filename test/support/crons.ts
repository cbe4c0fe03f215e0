/** The office-hours expressions most tests use: 08:00 and 17:00, Monday to Friday. */
export const WEEKDAYS_8 = 'cron(0 8 ? * MON-FRI *)';
export const WEEKDAYS_17 = 'cron(0 17 ? * MON-FRI *)';
