"""Services of the oversight area, by resource: bulletins (按月通报 and its rules), inspections (督查整改
and sanctions), plan (年度建设计划), funds, assets, performance (绩效, a department's record, 驾驶舱), excel;
`reports` and `actions` gather the read and the write side for callers."""
