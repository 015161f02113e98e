"""Fieldwork (现场审计): engagements, their checklists and answers, evidence, findings and rectification."""
