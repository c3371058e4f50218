"""Human review, the core under the console (``winnow.web``) and the API.

``passwords``: scrypt hashes of reviewer passwords; ``sessions``: signed session cookies and
CSRF tokens; ``intake``: which decisions open a review item and what content is retained;
``feedback``: a reviewer's verdict written back to the hash banks, with a dry run;
``decide``: one action on an item (audit log, ``review.resolved`` webhook, feedback) or an
appeal; ``retention``: the loop that drops retained content past its time.
"""

from __future__ import annotations
