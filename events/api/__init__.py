"""The read API under /api/v1/ (Django REST framework, drf-spectacular): see events/api/views.py."""
