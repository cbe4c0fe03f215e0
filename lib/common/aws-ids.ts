/**
 * The shapes of AWS names a hub's targets use, in one place: the construct checks props with
 * them, the functions check their environment and inputs, and the CLI its flags.
 */

/** An account id: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** A Region code, e.g. `us-east-1`, `us-gov-west-1`, `ap-southeast-4`. */
export const REGION_NAME = /^[a-z]{2,4}(-[a-z]+){1,3}-\d{1,2}$/;
/** An organizational unit id, e.g. `ou-ab12-cdef3456`. */
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** An IAM role name (without path): 1-64 letters, digits and `+=,.@_-`. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
