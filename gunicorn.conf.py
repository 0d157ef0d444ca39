# Read by gunicorn from the working directory. No "Server: gunicorn/<version>" banner: the
# version tells an attacker which advisories apply. gunicorn has no setting for it, and its
# Response reads this module global when each response starts.
import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "eCRF"
