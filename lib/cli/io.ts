/** What a command writes to and reads the time from: the terminal in the shipped command, a recorder in tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** The clock `status` and `override` judge times by. @default - the system clock */
  now?(): Date;
}
