import { makeHandler } from './handler';

export const handler = makeHandler('stop');
