"""Know who may license what, where and when: holders, mandates, deals, splits, takedowns."""
