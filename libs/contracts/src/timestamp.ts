export * from './gen/google/protobuf/timestamp';
