/** Tests own their PostgreSQL clusters through the same code the local fleet (`deploy/`) uses. */
export * from "../../deploy/local-postgres.js";
