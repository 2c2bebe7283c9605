"""The annotation workflow: adding articles, annotators' versions, agreement and adjudication, and the annotation tools' formats."""
