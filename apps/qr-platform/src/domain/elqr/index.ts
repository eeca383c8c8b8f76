export * from './additional';
export * from './checksum';
export * from './link';
export * from './payload';
export * from './tlv';
