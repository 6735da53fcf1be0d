export * from '../../dev/embedded-postgres';
