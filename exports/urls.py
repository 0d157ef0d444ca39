# The export pages live in the admin (exports.admin.ExportRunAdmin.get_urls): data managers
# work there. Nothing is routed from the eCRF itself.
urlpatterns = []
