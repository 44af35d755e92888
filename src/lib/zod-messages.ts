// DRF's wording for the most common validation failures, so existing clients
// show the messages they always showed. Imported once by whatever validates.
import { z } from 'zod';

z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'This field is required.';
    if (issue.code === 'invalid_type' && issue.input === null) return 'This field may not be null.';
    return undefined;
  },
});
