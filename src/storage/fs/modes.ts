/**
 * Everything the local store writes is private to the user the service runs as: objects
 * hold users' texts, datasets, models and audit snapshots, and the presign secret lives
 * beside them. Folders are 0700 and files 0600; an object version is 0400 from birth,
 * because its bytes never change once written.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;
export const VERSION_FILE_MODE = 0o400;
