"""Read-only queries the dashboard needs and the service layer does not offer yet.

Every function takes the tenant's visible company ids (or subscription ids derived from
them) so a page never reads another company's rows.
"""
