"""The annual audit plan (年度审计计划): risk, choice of targets, teams, approval and amendment."""
