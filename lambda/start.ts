import { makeHandler } from './handler';

export const handler = makeHandler('start');
