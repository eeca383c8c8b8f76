export * from './gen/tolem/recurring/v1/recurring';
