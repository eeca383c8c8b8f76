/** Protobuf has no null for a string: an empty (or unset) one means absent, which JSON says as null. */
export const orNull = (value: string | undefined): string | null =>
  value === undefined || value === '' ? null : value;
