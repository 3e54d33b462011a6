import type { DirectoryFields } from "../../src/core/repository.ts";

/** A directory record with every mapped field unset (and active, the default). */
export const EMPTY_FIELDS: DirectoryFields = {
  active: true,
  description: null,
  profession: null,
  email: null,
  firstName: null,
  lastName: null,
  phone: null,
  mobile: null,
  employeeCode: null,
  department: null,
  company: null,
  site: null,
};
