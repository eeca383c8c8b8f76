export * from './gen/tolem/reporting/v1/reporting';
